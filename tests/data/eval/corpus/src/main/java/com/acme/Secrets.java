package com.acme;

public final class Secrets {
    public static final String TWILIO_API_SECRET = System.getenv("TWILIO_API_SECRET");
    private Secrets() {}
}
