"""The paper's experiments at CPU scale: `sorting` (section 4.1, Figure 3) and `dialogue` (CMU-DoG,
Table 2 and Figures 4-5). Each builds on `core`, `training` and `tracing`; nothing below imports them.
Read `sorting.task` or `dialogue.reading` first.
"""
