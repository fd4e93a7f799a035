namespace MailActors.Configuration;

/// <summary>Bad configuration: the message is the one line an operator sees, naming the key or file.</summary>
public sealed class ConfigurationError(string message) : Exception(message);
