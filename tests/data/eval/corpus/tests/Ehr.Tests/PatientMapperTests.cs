using System;
using Xunit;

public class PatientMapperTests
{
    [Fact]
    public void MapsMedicareBeneficiary()
    {
        var dto = new PatientDto("Mei", "Brennan", new DateTime(1943, 3, 16),
            "4Q37-HQ6-HG52");
        Assert.Equal("4Q37HQ6HG52", PatientMapper.ToDomain(dto).Mbi);
    }
}
