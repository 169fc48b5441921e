FactoryBot.define do
  factory :patient do
    first_name { "Viktor" }
    last_name { "Smith" }
    date_of_birth { Date.new(1993, 6, 12) }
    ssn { "723-41-7179" }
  end
end
