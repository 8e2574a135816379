using System.Net;

namespace Platform.Mlflow;

/// <summary>MLflow's error codes (databricks.proto ErrorCode) used by this client and the local server.</summary>
public static class MlflowErrorCodes
{
    public const string InvalidParameterValue = "INVALID_PARAMETER_VALUE";
    public const string ResourceAlreadyExists = "RESOURCE_ALREADY_EXISTS";
    public const string ResourceDoesNotExist = "RESOURCE_DOES_NOT_EXIST";
    public const string EndpointNotFound = "ENDPOINT_NOT_FOUND";
    public const string BadRequest = "BAD_REQUEST";
    public const string InvalidState = "INVALID_STATE";
    public const string InternalError = "INTERNAL_ERROR";
    public const string PermissionDenied = "PERMISSION_DENIED";
    public const string Unauthenticated = "UNAUTHENTICATED";
    public const string RequestLimitExceeded = "REQUEST_LIMIT_EXCEEDED";
    public const string TemporarilyUnavailable = "TEMPORARILY_UNAVAILABLE";

    /// <summary>The HTTP status MLflow sends with an error code (handlers.py ERROR_CODE_TO_HTTP_STATUS).</summary>
    public static HttpStatusCode ToHttpStatus(string errorCode) => errorCode switch
    {
        ResourceDoesNotExist or EndpointNotFound => HttpStatusCode.NotFound,
        ResourceAlreadyExists or InvalidParameterValue or BadRequest => HttpStatusCode.BadRequest,
        PermissionDenied => HttpStatusCode.Forbidden,
        Unauthenticated => HttpStatusCode.Unauthorized,
        RequestLimitExceeded => HttpStatusCode.TooManyRequests,
        TemporarilyUnavailable => HttpStatusCode.ServiceUnavailable,
        _ => HttpStatusCode.InternalServerError,
    };
}

/// <summary>An error reported by an MLflow server (or detected by the client before sending), with its error code.</summary>
public class MlflowException : Exception
{
    public MlflowException()
        : this(MlflowErrorCodes.InternalError, "MLflow request failed.")
    {
    }

    public MlflowException(string message)
        : this(MlflowErrorCodes.InternalError, message)
    {
    }

    public MlflowException(string message, Exception innerException)
        : this(MlflowErrorCodes.InternalError, message, null, innerException)
    {
    }

    public MlflowException(string errorCode, string message, HttpStatusCode? statusCode = null, Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorCode = errorCode;
        StatusCode = statusCode ?? MlflowErrorCodes.ToHttpStatus(errorCode);
    }

    /// <summary>MLflow's error_code, for example <c>RESOURCE_DOES_NOT_EXIST</c>.</summary>
    public string ErrorCode { get; }

    /// <summary>The HTTP status of the response (or the status MLflow would send for a client-side validation error).</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>Maps an error code to the most specific exception type.</summary>
    public static MlflowException Create(string errorCode, string message, HttpStatusCode? statusCode = null) => errorCode switch
    {
        MlflowErrorCodes.ResourceDoesNotExist => new MlflowResourceNotFoundException(message, statusCode),
        MlflowErrorCodes.ResourceAlreadyExists => new MlflowResourceAlreadyExistsException(message, statusCode),
        MlflowErrorCodes.InvalidParameterValue or MlflowErrorCodes.BadRequest => new MlflowInvalidParameterException(errorCode, message, statusCode),
        MlflowErrorCodes.Unauthenticated or MlflowErrorCodes.PermissionDenied => new MlflowAuthorizationException(errorCode, message, statusCode),
        _ => new MlflowException(errorCode, message, statusCode),
    };
}

/// <summary>RESOURCE_DOES_NOT_EXIST: unknown experiment, run, model, version or alias target.</summary>
public sealed class MlflowResourceNotFoundException : MlflowException
{
    public MlflowResourceNotFoundException()
        : this("Resource does not exist.")
    {
    }

    public MlflowResourceNotFoundException(string message)
        : this(message, (HttpStatusCode?)null)
    {
    }

    public MlflowResourceNotFoundException(string message, Exception innerException)
        : base(MlflowErrorCodes.ResourceDoesNotExist, message, null, innerException)
    {
    }

    public MlflowResourceNotFoundException(string message, HttpStatusCode? statusCode)
        : base(MlflowErrorCodes.ResourceDoesNotExist, message, statusCode)
    {
    }
}

/// <summary>RESOURCE_ALREADY_EXISTS: a name that must be unique is taken.</summary>
public sealed class MlflowResourceAlreadyExistsException : MlflowException
{
    public MlflowResourceAlreadyExistsException()
        : this("Resource already exists.")
    {
    }

    public MlflowResourceAlreadyExistsException(string message)
        : this(message, (HttpStatusCode?)null)
    {
    }

    public MlflowResourceAlreadyExistsException(string message, Exception innerException)
        : base(MlflowErrorCodes.ResourceAlreadyExists, message, null, innerException)
    {
    }

    public MlflowResourceAlreadyExistsException(string message, HttpStatusCode? statusCode)
        : base(MlflowErrorCodes.ResourceAlreadyExists, message, statusCode)
    {
    }
}

/// <summary>INVALID_PARAMETER_VALUE or BAD_REQUEST: the request was rejected as invalid.</summary>
public sealed class MlflowInvalidParameterException : MlflowException
{
    public MlflowInvalidParameterException()
        : this("Invalid parameter value.")
    {
    }

    public MlflowInvalidParameterException(string message)
        : base(MlflowErrorCodes.InvalidParameterValue, message)
    {
    }

    public MlflowInvalidParameterException(string message, Exception innerException)
        : base(MlflowErrorCodes.InvalidParameterValue, message, null, innerException)
    {
    }

    public MlflowInvalidParameterException(string errorCode, string message, HttpStatusCode? statusCode)
        : base(errorCode, message, statusCode)
    {
    }
}

/// <summary>UNAUTHENTICATED or PERMISSION_DENIED: check MLFLOW_TRACKING_USERNAME/PASSWORD/TOKEN.</summary>
public sealed class MlflowAuthorizationException : MlflowException
{
    public MlflowAuthorizationException()
        : this("Not authorized.")
    {
    }

    public MlflowAuthorizationException(string message)
        : base(MlflowErrorCodes.Unauthenticated, message)
    {
    }

    public MlflowAuthorizationException(string message, Exception innerException)
        : base(MlflowErrorCodes.Unauthenticated, message, null, innerException)
    {
    }

    public MlflowAuthorizationException(string errorCode, string message, HttpStatusCode? statusCode)
        : base(errorCode, message, statusCode)
    {
    }
}
