using Platform.Domain.Trading;

namespace Platform.Domain.Tests;

/// <summary>Market orders on an account the way a session places them: sizing, the close-plus-slippage fill, booking.</summary>
internal static class AccountOrders
{
    public static Trade? Buy(this Account account, DateTimeOffset time, decimal price) => Place(account, TradeAction.Buy, time, price);

    public static Trade? Sell(this Account account, DateTimeOffset time, decimal price) => Place(account, TradeAction.Sell, time, price);

    private static Trade? Place(Account account, TradeAction action, DateTimeOffset time, decimal price)
    {
        var fills = new CloseWithSlippageFillModel(account.Options.SlippageBps);
        return OrderSizing.For(action, account, price, fills) is { } order ? account.Apply(fills.Execute(order, time, price)) : null;
    }
}
