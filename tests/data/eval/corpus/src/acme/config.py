import os

DATABASE_URL = os.environ["DATABASE_URL"]
STRIPE_SECRET_KEY = os.environ["STRIPE_SECRET_KEY"]
API_TOKEN = os.getenv("API_TOKEN", "")
