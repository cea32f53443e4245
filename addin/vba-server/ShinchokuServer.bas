Attribute VB_Name = "ShinchokuServer"
Option Explicit

' Ribbon callbacks of the shinchoku tab (customUI.xml), server variant
' (shinchoku-server.xlam): every button sends the workbook to shinchoku serve
' (xlwings Server) through xlwings' VBA remote client (RunServerPython in the Remote
' module) and carries out the reply. No Python and no child process on this PC.
'
' Settings are read through xlwings' config layers with PROJECT_NAME "shinchoku":
' a "shinchoku.conf" sheet in the workbook, "shinchoku.conf" beside the workbook,
' then %USERPROFILE%\.shinchoku\shinchoku.conf (the usual place), with lines
'     "URL","https://shinchoku.city.example.lg.jp"
'     "AUTH","shk_..."          (the access key the administrator issued)
'     "TIMEOUT","60000"          (optional, milliseconds; xlwings' default is 30000)
' Japanese messages are kept as \uXXXX escapes (the VBA source is stored as cp1252).

Sub ShinchokuButton(control As IRibbonControl)
    Dim url As String
    url = Trim(GetConfig("URL"))
    If url = "" Then
        MsgBox Ja("\u9032\u6357\u7ba1\u7406\u30b5\u30fc\u30d0\u30fc\u306e\u30a2\u30c9\u30ec\u30b9\u304c\u8a2d\u5b9a\u3055\u308c\u3066\u3044\u307e\u305b\u3093\u3002%USERPROFILE%\.shinchoku\shinchoku.conf \u306b ""URL"",""https://\uff08\u30b5\u30fc\u30d0\u30fc\u306e\u540d\u524d\uff09"" \u306e\u884c\u3092\u66f8\u3044\u3066\u304b\u3089\u3001\u3082\u3046\u4e00\u5ea6\u62bc\u3057\u3066\u304f\u3060\u3055\u3044\uff08\u66f8\u304d\u65b9\u306f\u7ba1\u7406\u8005\u306b\u304a\u5c0b\u306d\u304f\u3060\u3055\u3044\uff09\u3002\u30b7\u30fc\u30c8\u306e\u5185\u5bb9\u306f\u305d\u306e\u307e\u307e\u3067\u3059\u3002"), vbCritical, Ja("\u9032\u6357\u7ba1\u7406")
        Exit Sub
    End If
    If Trim(GetConfig("AUTH")) = "" Then
        MsgBox Ja("\u30a2\u30af\u30bb\u30b9\u30ad\u30fc\u304c\u8a2d\u5b9a\u3055\u308c\u3066\u3044\u307e\u305b\u3093\u3002\u7ba1\u7406\u8005\u304b\u3089\u53d7\u3051\u53d6\u3063\u305f\u30a2\u30af\u30bb\u30b9\u30ad\u30fc\u3092 %USERPROFILE%\.shinchoku\shinchoku.conf \u306b ""AUTH"",""\uff08\u30a2\u30af\u30bb\u30b9\u30ad\u30fc\uff09"" \u306e\u884c\u3068\u3057\u3066\u66f8\u3044\u3066\u304b\u3089\u3001\u3082\u3046\u4e00\u5ea6\u62bc\u3057\u3066\u304f\u3060\u3055\u3044\u3002\u30b7\u30fc\u30c8\u306e\u5185\u5bb9\u306f\u305d\u306e\u307e\u307e\u3067\u3059\u3002"), vbCritical, Ja("\u9032\u6357\u7ba1\u7406")
        Exit Sub
    End If
    If Right(url, 1) = "/" Then url = Left(url, Len(url) - 1)
    RunServerPython url & "/xlwings/custom-scripts-call/" & control.Id
End Sub

Function Ja(escaped As String) As String
    ' "\u9032\u6357" -> the text it stands for
    Dim i As Long, out As String
    i = 1
    Do While i <= Len(escaped)
        If Mid(escaped, i, 2) = "\u" Then
            out = out & ChrW(CLng("&H" & Mid(escaped, i + 2, 4) & "&"))
            i = i + 6
        Else
            out = out & Mid(escaped, i, 1)
            i = i + 1
        End If
    Loop
    Ja = out
End Function
