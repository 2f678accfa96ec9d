"""Checks of a model's structure shared by several test modules."""


def assert_sda_shares_its_weights(sda):
    """Each dA of ``sda`` *is* its hidden layer (the same W, b and generator), and
    the SdA trains the MLP's parameters: each layer's W and b, then the output's."""
    for layer, da in zip(sda.sigmoid_layers, sda.dA_layers, strict=True):
        assert da.W is layer.W and da.b is layer.b and da.theano_rng is sda.theano_rng
    layers = [*sda.sigmoid_layers, sda.logLayer]
    assert sda.params == [p for layer in layers for p in (layer.W, layer.b)]
