namespace Platform.Domain.Models;

/// <summary>
/// The registry aliases of the model lifecycle (MLflow aliases; stages are deprecated). Training points
/// <see cref="Challenger"/> at its best candidate; promotion moves <see cref="Champion"/> to the challenger after the
/// gate and approval and keeps the old champion as <see cref="PreviousChampion"/>; rollback swaps the two back.
/// </summary>
public static class ModelAliases
{
    /// <summary>The version that trades: what live decisions and backtests of "the model" load (<c>models:/NAME@champion</c>).</summary>
    public const string Champion = "champion";

    /// <summary>The version under evaluation against the champion.</summary>
    public const string Challenger = "challenger";

    /// <summary>The champion before the last promotion: where a rollback returns to.</summary>
    public const string PreviousChampion = "previous_champion";
}
