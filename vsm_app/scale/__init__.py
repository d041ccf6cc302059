"""Organisation scale (issue 21): ``vsm-app analyze-many`` on Dask, Parquet tables per
repository, the whole and every group (team or service) computed with the engine.

The narrow interface the service layer (:mod:`vsm_app.services.portfolio`, which the
command line's ``analyze-many`` calls) uses:

* :func:`vsm_app.scale.manifest.load_manifest` → :class:`~vsm_app.scale.manifest.Manifest`
* :func:`vsm_app.scale.portfolio.run` (Dask) / :func:`~vsm_app.scale.portfolio.run_in_process`
  → :class:`~vsm_app.scale.portfolio.PortfolioRun`

Dask and pyarrow come with the optional ``scale`` extra (``pip install 'vsm-app[scale]'``);
nothing here imports them at module level, so the rest of the program works without them.
"""
