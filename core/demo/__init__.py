"""The demo organization (Harbor Peak Capital), built entirely through signed ops by
scripted actors: :mod:`~core.demo.seed` and :mod:`~core.demo.actors`."""
