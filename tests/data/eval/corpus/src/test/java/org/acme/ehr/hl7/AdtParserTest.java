package org.acme.ehr.hl7;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class AdtParserTest {
    private static final String MESSAGE =
        "MSH|^~\\&|EPIC|NRMC|LABSYS|NRMC|20240620162300||ADT^A04|MSG897976|P|2.5.1\r"
        + "PID|1||43-381-394^^^NRMC^MR||DUNLEAVY^RAYMOND^K||19860421|M|||4547 Maple Ave^^Springfield^IL^62717^USA|||||||6883377675\r";

    @Test
    void readsPatientName() {
        var adt = new AdtParser().parse(MESSAGE);
        assertEquals("RAYMOND", adt.patient().givenName());
    }
}
