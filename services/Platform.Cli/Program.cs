using Platform.Cli;

return await PlatformCommandLine.RunAsync(args);
