"""MongoDB for the services that own documents (order, payment).

One ``MongoClient`` per service container (it is thread/green-safe and pools its
connections); each worker gets the service's own database, named in
``MONGO_DATABASES[<service>]``.
"""
from nameko.extensions import DependencyProvider
from pymongo import MongoClient


def mongo_client(config):
    return MongoClient(config["MONGO_URI"], tz_aware=True, serverSelectionTimeoutMS=5000)


def service_db_name(config, service_name):
    return config["MONGO_DATABASES"][service_name]


class MongoDatabase(DependencyProvider):
    """``self.db`` is a pymongo Database. ``create_indexes(db)`` runs once at start."""

    def __init__(self, create_indexes=None):
        self.create_indexes = create_indexes
        self.client = None
        self.database = None

    def setup(self):
        config = self.container.config
        self.client = mongo_client(config)
        self.database = self.client[service_db_name(config, self.container.service_name)]

    def start(self):
        if self.create_indexes:
            self.create_indexes(self.database)

    def stop(self):
        if self.client is not None:
            self.client.close()

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        return self.database
