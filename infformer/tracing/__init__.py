"""What the memory did on a text: the run that records (`run`), the frozen record it returns
(`record.Trace`), the fit points (`fit_targets`) and where attention lands on regions (`regions`).
Read `run` first, then `record`. Depends on `core` only.
"""
