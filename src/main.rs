use clap::Parser;

#[actix_web::main]
async fn main() {
    if let Err(e) = khoi::cli::run(khoi::cli::Cli::parse()).await {
        eprintln!("khoi: {e}");
        std::process::exit(1);
    }
}
