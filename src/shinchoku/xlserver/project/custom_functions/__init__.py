"""No custom functions: shinchoku offers buttons only (an empty module keeps the vendor's
examples out)."""
