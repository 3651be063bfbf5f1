"""The ∞-former itself: configuration, the Gaussian basis, the ridge fit, the unbounded memory,
continuous attention, hook points, the model and generation. Imports nothing else of `infformer`.
Read in order: config -> basis -> regression -> memory -> attention -> hooks -> model -> generate.
"""
