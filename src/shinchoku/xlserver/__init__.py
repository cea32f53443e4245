"""shinchoku on xlwings Server (``shinchoku serve``): staff need only Excel."""
