module.exports = {
  apiKey: process.env.API_KEY,
  slackToken: process.env.SLACK_BOT_TOKEN || '',
  dbPassword: process.env.DB_PASSWORD,
};
