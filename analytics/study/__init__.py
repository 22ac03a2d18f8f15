"""The study's ERGM analysis rebuilt: frames, fits, comparison with the published figures."""

#: Seed of the shipped synthetic study frames. It lives here, not in the generator, so that the
#: CLI can show it as a default without importing pandas (which every ``triage`` command would
#: then pay for, the clinic service included).
DEFAULT_SEED = 20231101
