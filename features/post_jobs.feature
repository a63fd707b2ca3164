Feature: Employers post jobs for their company
  An employer posts and edits the jobs of the company its account belongs to. A wage below the legal
  minimum wage in force for the job's prefecture is refused, with the field, the wage and the minimum.

  Background:
    Given today is 2025-12-03 in Japan
    And an employer "sato" of the company "新宿カフェ株式会社"

  Scenario: An employer posts a job below minimum wage and is refused
    When "sato" posts a job "ホールスタッフ" in prefecture 13 paying 1225 yen an hour
    Then the posting is refused on the field "hourly_wage"
    And the refusal names the wage 1225 and the legal minimum 1226
    And no job "ホールスタッフ" is listed

  Scenario: An employer posts a job at the minimum wage and it is listed for the company
    When "sato" posts a job "ホールスタッフ" in prefecture 13 paying 1226 yen an hour
    Then the job "ホールスタッフ" is listed for the company "新宿カフェ株式会社"

  Scenario: An employer may not edit another company's job
    Given an employer "suzuki" of the company "渋谷書店"
    And "sato" posted a job "キッチンスタッフ" in prefecture 13 paying 1300 yen an hour
    When "suzuki" changes the wage of "キッチンスタッフ" to 1400 yen
    Then the change is refused as not allowed
