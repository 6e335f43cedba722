"""The INSi simulator: a real SOAP 1.2 server answering the project's contract on loopback."""

from .population import CNDA, Person, population_from_database
from .server import Config, Simulator, SimulatorServer

__all__ = ["CNDA", "Config", "Person", "Simulator", "SimulatorServer", "population_from_database"]
