"""Network detection: from a few seeds (or none) to whole seller/buyer networks with roles and evidence.

Pure algorithms over :class:`AccountGraph` (numpy / scipy.sparse / igraph); no database here.
"""

from bastion.graph.builder import GraphBuilder
from bastion.graph.container import AccountGraph, NodeAttributes
from bastion.graph.detector import Detector, DetectorResult, Evidence, available, create, register
from bastion.graph.exposure import Exposure, recommendation_exposure
from bastion.graph.kinds import NETWORK_MEMBER
from bastion.graph.model import Weights
from bastion.graph.network import Member, Network, to_export
from bastion.graph.pipeline import DetectConfig, Detection, detect

__all__ = [
    "NETWORK_MEMBER",
    "AccountGraph",
    "DetectConfig",
    "Detection",
    "Detector",
    "DetectorResult",
    "Evidence",
    "Exposure",
    "GraphBuilder",
    "Member",
    "Network",
    "NodeAttributes",
    "Weights",
    "available",
    "create",
    "detect",
    "recommendation_exposure",
    "register",
    "to_export",
]
