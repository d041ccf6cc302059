"""The application's service layer: what the command line and the window both do, in one
place (Qt-free at import; drawing goes through :mod:`vsm_app.render` when asked for).

==========================  ====================================================================
:mod:`.measure`             measure a project or a set of inputs: ingest → link → analyse;
                            the window's controller uses its ingest-and-prepare step
:mod:`.tables`              write the measured tables as CSV (``--export-changes``, Export
                            tables)
:mod:`.reports`             write the HTML or PDF report (with the identity guard)
:mod:`.maps`                export maps as PNG, SVG or PDF, with the measured overlay
:mod:`.forecast`            Monte Carlo forecasts from the measured throughput
:mod:`.projects`            create, import, load and save projects; classic figures of maps
:mod:`.portfolio`           measure many repositories (``analyze-many``): the manifest, the
                            output folder and the ``scale`` extra checked, then
                            :mod:`vsm_app.scale` on Dask; the whole and every group
==========================  ====================================================================

A command module (``vsm_app.commands``) parses its arguments, calls one service and prints;
a dialog of the window gathers its options, runs the same service in a worker and shows the
result. New work lands here: measuring many repositories at once is :mod:`.portfolio` (beside
:mod:`.measure`, on the same pipeline); work items from a tracker are more inputs of
:mod:`.measure` and more frames of :mod:`.tables`.

Errors: bad input raises the module's own exception with a message naming the file and the
line or field (:func:`.measure.input_errors`, :class:`vsm_app.report.target.ExportTargetError`,
:class:`vsm_app.storage.project_file.ProjectFileError`); the command line turns them into
exit code 2, the window into a message box. The service never imports ``vsm_app.ui``
(an import-linter contract).
"""
