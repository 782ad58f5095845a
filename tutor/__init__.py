"""tutor: the slides' neural-network models in SymPy, their gradients by the chain rule,
NumPy/CuPy kernels, gradient checks and gradient descent.

>>> import tutor
>>> net = tutor.mlp([2, 2, 1], activation="logistic", output="identity", loss="squared_error")
>>> kernel = net.compile()
>>> report = tutor.gradcheck(kernel, net.init(seed=0), *tutor.datasets.toy(net, seed=0))
>>> report.ok
True
"""

from . import datasets
from .activations import ACTIVATIONS, SOFTMAX, Activation, activation
from .backends import BackendError, gpu_available
from .collapse import Collapse, collapse
from .data import Data, DataError, load_csv
from .derivation import Derivation
from .descent import Divergence, Step, descend
from .econometrics import logit_mle, ols
from .gradcheck import GradCheckReport, gradcheck
from .kernel import Kernel, KernelInputError
from .losses import LOSSES, Loss
from .model import Model, model
from .network import Network, linear_regression, logistic_regression, mlp, neuron
from .notation import latex, symbol, unicode
from .parser import ParseError, parse, parse_activation, parse_loss
from .session import Session

__all__ = [
    "ACTIVATIONS", "LOSSES", "SOFTMAX", "Activation", "BackendError", "Collapse", "Data",
    "DataError", "Derivation", "Divergence", "ParseError", "Session", "load_csv", "parse", "parse_activation",
    "parse_loss", "GradCheckReport", "Kernel", "KernelInputError", "Loss", "Model", "Network",
    "Step", "activation", "collapse", "datasets", "descend", "gpu_available", "gradcheck",
    "latex", "linear_regression", "logistic_regression", "logit_mle", "mlp", "model", "neuron",
    "ols", "symbol", "unicode",
]
__version__ = "0.1.0"
