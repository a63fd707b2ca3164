Feature: Recommend jobs to a job seeker
  A job seeker sees the open jobs within reach of home, best first, each with the reasons it was chosen.
  Jobs paying less than the legal minimum wage in force are never shown.

  Background:
    Given today is 2025-12-03 in Japan

  Scenario: A café wish near Shibuya puts the café job first
    Given a job seeker "hanako" living at postal code 1500041 who wishes for "カフェ"
    And an open job "渋谷駅前カフェスタッフ" of type "カフェ" paying 1300 yen an hour near postal code 1500002
    And an open job "渋谷倉庫の仕分け" of type "倉庫" paying 1300 yen an hour near postal code 1500002
    When "hanako" asks for recommendations
    Then the first job is "渋谷駅前カフェスタッフ"
    And its reasons include one starting with "自宅から約"
    And its reasons include "希望職種：カフェ"

  Scenario: A job below the minimum wage is never recommended
    Given a job seeker "hanako" living at postal code 1500041 who wishes for "カフェ"
    And an open job "時給1225円のカフェ" of type "カフェ" paying 1225 yen an hour near postal code 1500002
    And an open job "時給1226円のカフェ" of type "カフェ" paying 1226 yen an hour near postal code 1500002
    When "hanako" asks for recommendations
    Then "時給1226円のカフェ" is recommended
    And "時給1225円のカフェ" is not recommended

  Scenario: A half-width wish matches the full-width job type
    Given a job seeker "hanako" living at postal code 1500041 who wishes for "ｶﾌｪ"
    And an open job "渋谷倉庫の仕分け" of type "倉庫" paying 1300 yen an hour near postal code 1500002
    And an open job "渋谷駅前カフェスタッフ" of type "カフェ" paying 1300 yen an hour near postal code 1500002
    When "hanako" asks for recommendations
    Then the first job is "渋谷駅前カフェスタッフ"
    And its reasons include "希望職種：カフェ"
