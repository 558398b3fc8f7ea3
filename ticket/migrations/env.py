from common.migrations import run_env
from ticket.models import Base

run_env(Base.metadata)
