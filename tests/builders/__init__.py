"""Test data built in code: one place for the plans and frames the tests construct.

``common``
    Shapes by corner or centre, and TOML values for the ``plan.toml`` files the builders write.
``checks``
    Canonical frames for the checks' tests (clusters, parks, trade, lines, zones by row).
``coverage``
    Loaded plans straight from frames (:func:`~builders.coverage.make_plan`) and written plans
    with a population raster, for coverage.
``province``
    A small made-up province written as a complete plan folder (boundary, communes, every kind).
``plans``
    :class:`~builders.plans.PlanBuilder`: a plan folder layer by layer, for loading tests.
"""
