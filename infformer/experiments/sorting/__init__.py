"""The paper's synthetic sorting task (section 4.1, Figure 3): the task (`task`), training and
evaluation (`train`), and which of Figure 3's trends reproduce (`trends`).
Read `task` first.
"""
