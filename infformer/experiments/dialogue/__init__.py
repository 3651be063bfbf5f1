"""Document-grounded dialogue on CMU-DoG (the paper's Table 2, Figures 4 and 5): reading a document
then a conversation (`reading`), generated replies and their scores, and section attention.
Read `reading` first.
"""
