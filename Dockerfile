# leader-quiz: `docker build -t leader-quiz .` then
# `docker run --env-file .env -p 3000:3000 -v quiz-data:/data leader-quiz`
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# The pinned dependencies first (hash-checked; scripts/lock writes the file), in their own
# layer, so a change to the code does not reinstall them.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY content ./content
COPY db ./db
COPY quiz ./quiz
RUN pip install --no-deps . \
    && useradd --create-home --uid 10001 quiz \
    && mkdir /data && chown quiz /data

USER quiz
WORKDIR /data
ENV DATABASE_URL=sqlite:////data/leader_quiz.db \
    HOST=0.0.0.0 \
    PORT=3000
VOLUME ["/data"]
EXPOSE 3000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT', '3000')}/healthz\", timeout=4)"]

CMD ["leader-quiz", "serve"]
