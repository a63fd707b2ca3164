Feature: Admins run the campaigns
  An admin sees the mail a job seeker would get before anything is sent, runs the campaign now, and reads
  what it sent in the campaign's analytics. Every change an admin makes is in the audit trail.

  Background:
    Given today is 2025-12-03 in Japan
    And a job seeker "hanako" living at postal code 1600022 who wishes for "カフェ"
    And a job seeker "taro" living at postal code 1500041 who wishes for "カフェ"
    And an open job "渋谷駅前カフェスタッフ" of type "カフェ" paying 1300 yen an hour near postal code 1500002
    And the admin "sachiko" created the campaign "morning"

  Scenario: An admin previews a campaign for a user, runs it, and the analytics show the sends
    When "sachiko" previews the mail of "morning" for "hanako"
    Then the preview is addressed to "hanako" and shows "渋谷駅前カフェスタッフ"
    And nothing has been sent or stored
    When "sachiko" runs "morning" now
    And "sachiko" runs "morning" now again
    And the run finishes
    Then the analytics of "morning" show 2 mails sent of 2 deliveries in 1 run
    And 2 mails are in the outbox
    And the audit trail says "sachiko" did "campaign.create, campaign.run, campaign.run"
