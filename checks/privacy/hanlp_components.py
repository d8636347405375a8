"""HanLP component classes of our own. Imported only when HanLP is installed.

A model saved by HanLP records the class path of its component in ``config.json``;
``hanlp.load`` imports that path. Keeping the class in the package (not in a test module)
means a model trained by the test suite or by an operator loads in any process.
"""

from __future__ import annotations

import torch
from hanlp.components.ner.rnn_ner import RNNNamedEntityRecognizer


class CRFBatchFirstRNNNamedEntityRecognizer(RNNNamedEntityRecognizer):
    """``RNNNamedEntityRecognizer`` whose CRF layer reads batches batch-first.

    In hanlp 2.1.x ``RNNTaggingModel`` passes ``crf_constraints`` (None) into the CRF's
    ``batch_first`` slot, so the CRF scores time steps as if they were sentences and
    training on batches of different lengths fails or learns nonsense. The model is rebuilt
    the same way when it is loaded, so the fix has to live in ``build_model``.
    """

    def build_model(self, rnn_input, rnn_hidden, drop, crf, **kwargs) -> torch.nn.Module:
        model = super().build_model(rnn_input, rnn_hidden, drop, crf, **kwargs)
        if getattr(model, "crf", None) is not None:
            model.crf.batch_first = True
        return model
