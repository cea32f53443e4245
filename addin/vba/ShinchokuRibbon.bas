Attribute VB_Name = "ShinchokuRibbon"
Option Explicit

' Ribbon callbacks of the shinchoku tab (customUI.xml).
' Every button calls the same Python entry point with its control id;
' shinchoku.addin.on_button does the work and reports back in Japanese.
' (The module is not called "Shinchoku": VBA refuses a module named like its project.)

Sub ShinchokuButton(control As IRibbonControl)
    RunPython "import shinchoku.addin; shinchoku.addin.on_button('" & control.Id & "')"
End Sub
