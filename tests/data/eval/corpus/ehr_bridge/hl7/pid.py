def parse_pid(segment: str) -> dict[str, str]:
    fields = segment.split("|")
    family, given, *_ = fields[5].split("^") + ["", ""]
    return {
        "mrn": fields[3].split("^")[0],
        "family": family,
        "given": given,
        "dob": fields[7],
        "ssn": fields[19] if len(fields) > 19 else "",
    }
