export const API_KEY_HEADER = "X-API-Key";
export const CSRF_TOKEN_HEADER = "X-CSRF-Token";
