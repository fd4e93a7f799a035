using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace MailActors.Host.Web;

/// <summary>Pages the web listeners serve besides the public ones (the account pages): their services, then their routes.</summary>
public interface IWebPages
{
    void AddServices(IServiceCollection services);
    void Map(WebApplication app);
}
