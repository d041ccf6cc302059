"""Drawing maps and reports to PNG, SVG and PDF: Qt (QtGui, QtSvg and a QGraphicsScene) but
no window, no dock, no main window, no ``vsm_app.ui``.

:mod:`.canvas` holds the map's scene and items (the editor in ``vsm_app.ui.canvas`` adds the
view and the editing modes on top), :mod:`.colors` the map's colours, :mod:`.maps` map
pictures and their files, :mod:`.report_pdf` the PDF report, :mod:`.app` the application
object a headless command needs. The service layer (``vsm_app.services``) and the window
both draw through here; an import-linter contract keeps ``vsm_app.ui`` out.
"""
