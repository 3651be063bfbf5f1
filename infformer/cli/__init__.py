"""The command line: `python -m infformer {trace,generate,evaluate,sorting,train,dialogue} ...`.
One module per command group; `main` builds the parser and maps errors to `error: ...` lines.
Read `main` first.
"""
