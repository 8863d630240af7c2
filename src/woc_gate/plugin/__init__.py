"""woc-gate's pytest face: the hooks, the public fixtures, a session's gate state and its outcomes.

- ``hooks``: the plugin pytest loads (entry point ``pytest11``); hooks only.
- ``fixtures``: the public fixtures gate tests use to reach the target and its source.
- ``browser``, ``flows``: the fixtures of the browser flows and of the desktop and tenant flows.
- ``run``: one session's gate state (settings, the reference stack, the verdict).
- ``outcomes``: what each test did, per gate item, also across xdist workers.
- ``rootdir``: keeping pytest's rootdir on the suite for path options in their space form.
"""
