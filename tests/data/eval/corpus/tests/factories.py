KNOWN_PATIENTS = [
    {
        "name": "Gideon Jancowski",
        "dob": "1962-08-15",
        "phone": "(541) 555-0129",
        "email": "gjancowski@example.net",
        "address": "2718 Meadow Way, Eugene, OR 97496",
    },
    {
        "name": "Ezra Rasmussen",
        "dob": "2021-07-16",
        "phone": "(720) 555-0103",
        "email": "ezra.rasmussen@example.org",
        "address": "1609 Birch Dr, Aurora, CO 80092",
    },
    {
        "name": "Kwame Moretti",
        "dob": "1948-01-07",
        "phone": "(208) 555-0116",
        "email": "kwame.moretti@inbox.example.net",
        "address": "8465 Linden Ave, Boise, ID 83740",
    },
]
