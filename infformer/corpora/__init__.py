"""The texts models are trained and evaluated on: Austen as paragraphs, CMU-DoG documents and
conversations, streaming documents as segments (`data`), and the pass-key haystack.
Read `data` first. Depends on `io`.
"""
