from common.migrations import run_env
from airplane.models import Base

run_env(Base.metadata)
