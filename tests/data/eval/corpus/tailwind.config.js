module.exports = {
  theme: {
    extend: {
      colors: {
        primary: '#fc06a9',
        secondary: '#42196a',
        success: '#aa9480',
        warning: '#196004',
        danger: '#34bab3',
        info: '#03d5c3',
        muted: '#f461a3',
        accent: '#52710a',
      },
    },
  },
};
