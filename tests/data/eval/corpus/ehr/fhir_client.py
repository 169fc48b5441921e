import httpx


class FhirClient:
    def __init__(self, base_url: str, token_provider):
        self._http = httpx.Client(base_url=base_url)
        self._token = token_provider

    def patient(self, patient_id: str) -> dict:
        resp = self._http.get(f"/Patient/{patient_id}",
                              headers={"Authorization": f"Bearer {self._token()}"})
        resp.raise_for_status()
        return resp.json()
