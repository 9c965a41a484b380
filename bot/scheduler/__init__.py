"""Time in: the scheduler every replica runs (only the lease holder posts), and the fair
thread pool its posts go out on."""

from bot.scheduler.fair import FairPool
from bot.scheduler.quiz import LeaderState, QuizScheduler

__all__ = ["FairPool", "LeaderState", "QuizScheduler"]
