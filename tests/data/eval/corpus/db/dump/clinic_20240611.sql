--
-- PostgreSQL database dump
--

COPY public.patients (id, mrn, last_name, first_name, dob, ssn, zip) FROM stdin;
1	98402905	Achterberg	Walter	1939-01-12	271-34-8205	43225
2	57194101	Kilbride	Walter	1952-11-15	343-10-0803	01816
3	MR02896114	Castellanos	Mei	1993-09-14	872-52-8800	27787
4	E537216509	Smith	Yolanda	1950-12-19	483-02-6841	12201
5	E874991136	Jancowski	Keiko	1950-07-12	264-88-0445	93719
6	E722028044	Prentiss	Omar	2003-03-26	478-02-2077	43240
7	7316991	Pemberton	Keiko	1996-04-27	639-99-6782	80040
\.

