DEFAULT_PASSWORD = ""
API_KEY = None
TOKEN = "<your-token-here>"
