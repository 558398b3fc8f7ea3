# nameko 2.14's pytest plugin no longer monkey-patches: do it before anything
# imports socket, threading or the database drivers.
import eventlet

eventlet.monkey_patch()

pytest_plugins = ["tests.helpers.harness"]
