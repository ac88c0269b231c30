using AmiReplicator.Domain.Jobs;
using AmiReplicator.Messages;

namespace AmiReplicator.Domain.Tests;

public class InboundMessageTests
{
    private const string AvailableEvent = """
        {"version":"0","id":"7f0a","detail-type":"EC2 AMI State Change","source":"aws.ec2","account":"123456789012",
         "time":"2026-11-24T10:00:00Z","region":"us-east-1","resources":["arn:aws:ec2:us-east-1::image/ami-0abcdef1234567890"],
         "detail":{"RequestId":"r","ImageId":"ami-0abcdef1234567890","State":"available","ErrorMessage":""}}
        """;

    [Fact]
    public void An_available_event_asks_for_a_replication_by_the_policy()
    {
        var message = Assert.IsType<InboundMessage.ImageChanged>(InboundMessage.Parse(AvailableEvent));

        Assert.Equal(new ImageEvent("us-east-1", "ami-0abcdef1234567890", "available", "7f0a") { Account = "123456789012" }, message.Event);
        Assert.Equal(new ReplicationRequest("us-east-1", "ami-0abcdef1234567890", null, "eventbridge:7f0a",
            "EC2 AMI State Change: available", RequestOrigin.Event), message.Event.AsRequest());
    }

    [Fact]
    public void A_failed_event_is_read_too_as_it_may_end_one_of_the_replicators_copies()
    {
        var message = InboundMessage.Parse(AvailableEvent.Replace("\"State\":\"available\"", "\"State\":\"failed\"", StringComparison.Ordinal));

        Assert.Equal("failed", Assert.IsType<InboundMessage.ImageChanged>(message).Event.State);
    }

    [Fact]
    public void The_image_ARN_names_the_source_region_when_a_forwarding_bus_rewrote_the_envelope()
    {
        var forwarded = AvailableEvent
            .Replace("arn:aws:ec2:us-east-1::image", "arn:aws:ec2:us-west-2::image", StringComparison.Ordinal);

        var message = Assert.IsType<InboundMessage.ImageChanged>(InboundMessage.Parse(forwarded));

        Assert.Equal("us-west-2", message.Event.Region);
    }

    [Fact]
    public void An_event_a_target_accounts_spoke_forwarded_names_that_account()
    {
        var forwarded = AvailableEvent.Replace("\"account\":\"123456789012\"", "\"account\":\"111111111111\"", StringComparison.Ordinal);

        Assert.Equal("111111111111", Assert.IsType<InboundMessage.ImageChanged>(InboundMessage.Parse(forwarded)).Event.Account);
    }

    [Theory]
    [InlineData("failed")]
    [InlineData("disabled")]
    [InlineData("deregistered")]
    public void A_failed_disabled_or_deregistered_image_is_a_change_the_replicator_acts_on(string state)
    {
        var message = InboundMessage.Parse(AvailableEvent.Replace("\"State\":\"available\"", $"\"State\":\"{state}\"", StringComparison.Ordinal));

        Assert.Equal(state, Assert.IsType<InboundMessage.ImageChanged>(message).Event.State);
    }

    [Fact]
    public void Other_states_are_ignored_with_a_reason()
    {
        var message = InboundMessage.Parse(AvailableEvent.Replace("\"State\":\"available\"", "\"State\":\"pending\"", StringComparison.Ordinal));

        Assert.Contains("'pending'", Assert.IsType<InboundMessage.Ignore>(message).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_copy_request_by_hand_names_who_asked()
    {
        var message = Assert.IsType<InboundMessage.Replicate>(InboundMessage.Parse("""
            {"sourceRegion":"us-east-1","sourceImageId":"ami-0abcdef1234567890","destinations":["eu-west-1"],"requestedBy":"alice","reason":"backfill"}
            """));

        Assert.Equal(RequestOrigin.Manual, message.Request.Origin);
        Assert.Equal(["eu-west-1"], message.Request.Destinations);
        Assert.Equal("alice", message.Request.RequestedBy);
    }

    [Fact]
    public void A_request_the_sweep_sent_is_selected_by_the_policy_as_an_event_is()
    {
        var message = Assert.IsType<InboundMessage.Replicate>(InboundMessage.Parse("""
            {"sourceRegion":"us-east-1","sourceImageId":"ami-0abcdef1234567890","requestedBy":"sweep","origin":"sweep"}
            """));

        Assert.Equal(RequestOrigin.Sweep, message.Request.Origin);
        Assert.True(message.Request.Origin.IsSelected());
        Assert.False(RequestOrigin.Manual.IsSelected());
    }

    [Theory]
    [InlineData("not json", "not JSON")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("""{"sourceRegion":"us-east-1","sourceImageId":"ami-xyz","requestedBy":"a"}""", "sourceImageId")]
    [InlineData("""{"sourceRegion":"moon-1","sourceImageId":"ami-0abcdef1234567890","requestedBy":"a"}""", "sourceRegion")]
    [InlineData("""{"sourceRegion":"us-east-1","sourceImageId":"ami-0abcdef1234567890"}""", "requestedBy")]
    [InlineData("""{"sourceRegion":"us-east-1","sourceImageId":"ami-0abcdef1234567890","requestedBy":"a","destinations":["x-1"]}""", "destination 'x-1'")]
    [InlineData("""{"detail-type":"EC2 Instance State-change Notification","source":"aws.ec2"}""", "not an EC2 AMI State Change")]
    [InlineData("""{"sourceRegion":7}""", "expected shape")]
    [InlineData("""{"version":"0","detail-type":"EC2 AMI State Change","source":"aws.ec2","region":"us-east-1","resources":[null],"detail":{"ImageId":"ami-0abcdef1234567890","State":"available"}}""", "resources holds null")]
    [InlineData("""{"sourceRegion":"us-east-1","sourceImageId":"ami-0abcdef1234567890","requestedBy":"a","destinations":[null]}""", "destination 'null'")]
    [InlineData("""{"sourceRegion":"us-east-1","sourceImageId":"ami-0abcdef1234567890","requestedBy":"a","origin":"cron"}""", "origin 'cron'")]
    [InlineData("""{"Type":"Notification","MessageId":"m","TopicArn":"arn:aws:sns:us-east-1:123456789012:amis","Message":"{}"}""", "raw message delivery")]
    public void A_malformed_message_says_what_is_wrong(string body, string reason)
    {
        var message = Assert.IsType<InboundMessage.Malformed>(InboundMessage.Parse(body));

        Assert.Contains(reason, message.Reason, StringComparison.Ordinal);
    }
}
