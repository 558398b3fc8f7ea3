from common.migrations import run_env
from track.models import Base

run_env(Base.metadata)
