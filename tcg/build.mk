# The portable translator and its x86-64 host back end.
tcg-obj += tcg/tcg.o tcg/optimize.o tcg/liveness.o tcg/regalloc.o tcg/indirect-jump.o tcg/chain-state.o tcg/loop.o
tcg-obj += tcg/x86_64/backend.o tcg/x86_64/constraints.o tcg/x86_64/ops.o
# vector ops on env-resident 128-bit slots
tcg-obj += tcg/vec.o tcg/x86_64/vec.o
