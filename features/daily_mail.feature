Feature: The daily recommendation mail
  Each job seeker of the audience gets at most one mail a day, with jobs they have not been sent lately.
  A job seeker with nothing new gets no mail, and the run records why.

  Background:
    Given today is 2025-12-03 in Japan
    And the campaign "daily"

  Scenario: Each job seeker gets exactly one mail
    Given a job seeker "hanako" living at postal code 1600022 who wishes for "カフェ"
    And a job seeker "taro" living at postal code 1500041 who wishes for "カフェ"
    And an open job "渋谷駅前カフェスタッフ" of type "カフェ" paying 1300 yen an hour near postal code 1500002
    And an open job "新宿ホールスタッフ" of type "ホール" paying 1250 yen an hour near postal code 1600022
    When the daily mail of "daily" runs
    Then "hanako" gets exactly one mail
    And "taro" gets exactly one mail
    And the outbox holds 2 mails

  Scenario: Nothing new means no mail, and the delivery says why
    Given a job seeker "jiro" living at postal code 1920083 who commutes at most 20 minutes
    And an open job "渋谷駅前カフェスタッフ" of type "カフェ" paying 1300 yen an hour near postal code 1500002
    When the daily mail of "daily" runs
    Then "jiro" gets no mail
    And the delivery of "jiro" is skipped with the reason "no_new_matches"

  Scenario: Running the mail twice the same day sends nothing more
    Given a job seeker "hanako" living at postal code 1600022 who wishes for "カフェ"
    And an open job "渋谷駅前カフェスタッフ" of type "カフェ" paying 1300 yen an hour near postal code 1500002
    When the daily mail of "daily" runs
    And the daily mail of "daily" runs again
    Then the second run sent 0 mails
    And "hanako" gets exactly one mail
    And the outbox holds 1 mail
