"""ACLED-style notes ("On 3 March 2019, suspected JNIM militants attacked ...") as polars
expressions over the incident table."""

from __future__ import annotations

import polars as pl

from forecast.demo import actors

DESCRIPTOR = {
    actors.JNIM: "JNIM militants",
    actors.KATIBA_MACINA: "Katiba Macina militants",
    actors.ANSAR_DINE: "Ansar Dine militants",
    actors.ISGS: "ISGS militants",
    actors.IS_SAHEL: "Islamic State Sahel militants",
    actors.CMA: "CMA fighters",
    actors.CSP: "CSP-PSD fighters",
    actors.FLA: "FLA fighters",
    actors.MSA: "MSA fighters",
    actors.GATIA: "GATIA fighters",
    actors.DAN_NA: "Dan Na Ambassagou militiamen",
    actors.DOGON: "Dogon militiamen",
    actors.DOZO: "Dozo hunters",
    actors.FULANI: "Fulani militiamen",
    actors.UNIDENTIFIED: "unidentified gunmen",
    actors.WAGNER: "Wagner Group personnel",
    actors.AFRICA_CORPS: "Africa Corps personnel",
    actors.MINUSMA: "MINUSMA peacekeepers",
    actors.RIOTERS: "rioters",
    actors.PROTESTERS: "protesters",
    actors.CIVILIANS: "civilians",
}
SUSPECTABLE = (
    actors.JNIM,
    actors.KATIBA_MACINA,
    actors.ANSAR_DINE,
    actors.ISGS,
    actors.IS_SAHEL,
    actors.DAN_NA,
    actors.DOZO,
    actors.FULANI,
)
NATIONALITY = {"China": "Chinese", "India": "Indian", "Egypt": "Egyptian", "Morocco": "Moroccan"}
NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
TOPICS = (
    "insecurity",
    "the killing of civilians",
    "electricity cuts",
    "fuel shortages",
    "the cost of living",
    "the arrest of a local leader",
    "the closure of schools",
    "the presence of foreign forces",
)


def describe(actor: pl.Expr, assoc: pl.Expr) -> pl.Expr:
    """A short English name of an actor, with its Russian associates if any."""
    base = (
        pl.when(actor.str.starts_with("Military Forces of Mali"))
        .then(pl.lit("Malian soldiers"))
        .when(actor.str.starts_with("Police Forces of Mali"))
        .then(pl.lit("Malian police"))
        .when(actor.str.starts_with("Military Forces of France"))
        .then(pl.lit("French forces"))
        .otherwise(actor.replace_strict(DESCRIPTOR, default="armed men", return_dtype=pl.Utf8))
    )
    helper = assoc.replace_strict(
        {actors.WAGNER: "Wagner Group personnel", actors.AFRICA_CORPS: "Africa Corps personnel"},
        default=None,
        return_dtype=pl.Utf8,
    )
    return pl.when(helper.is_not_null()).then(pl.format("{} and {}", base, helper)).otherwise(base)


def notes() -> pl.Expr:
    """The note of each incident. Needs the incident columns plus ``suspected`` (bool),
    ``count_word``, ``topic`` and ``time_precision``."""
    a1 = pl.when(pl.col("suspected") & pl.col("actor1").is_in(SUSPECTABLE))
    a1 = a1.then(pl.format("suspected {}", _a1())).otherwise(_a1())
    a2 = describe(pl.col("actor2"), pl.col("assoc_actor_2"))
    where = pl.format("{} ({}, {})", pl.col("location"), pl.col("admin2"), pl.col("admin1"))
    day = pl.col("event_date").dt.strftime("%-d %B %Y")
    when = (
        pl.when(pl.col("time_precision") == 1)
        .then(pl.format("On {}", day))
        .when(pl.col("time_precision") == 2)
        .then(pl.format("Around {} (as reported)", day))
        .otherwise(pl.format("In {} (month of)", pl.col("event_date").dt.strftime("%B %Y")))
    )
    deaths = _deaths()
    sub = pl.col("sub_event_type")
    a2_name = pl.col("actor2")
    nationals = (
        pl.col("actor2")
        .str.extract(r"^Civilians \((.+)\)$")
        .replace_strict(NATIONALITY, default="foreign", return_dtype=pl.Utf8)
    )
    victims = (
        pl.when(pl.col("assoc_actor_2") == "Fulani Ethnic Group (Mali)")
        .then(pl.lit("Fulani civilians"))
        .when(pl.col("assoc_actor_2") == "Dogon Ethnic Group (Mali)")
        .then(pl.lit("Dogon civilians"))
        .otherwise(pl.lit("civilians"))
    )
    text = (
        pl.when(sub == "Armed clash")
        .then(pl.format("{}, {} clashed with {} in {}. {}", when, a1, a2, where, deaths))
        .when(sub == "Non-state actor overtakes territory")
        .then(
            pl.format(
                "{}, {} took control of {} after fighting {}. {}", when, a1, where, a2, deaths
            )
        )
        .when(sub == "Government regains territory")
        .then(pl.format("{}, {} retook {} from {}. {}", when, a1, where, a2, deaths))
        .when((sub == "Remote explosive/landmine/IED") & (a2_name == actors.CIVILIANS))
        .then(
            pl.format(
                "{}, a vehicle carrying civilians hit an IED presumably planted by {} near {}. {}",
                when,
                a1,
                where,
                deaths,
            )
        )
        .when((sub == "Remote explosive/landmine/IED") & (a2_name == ""))
        .then(
            pl.format(
                "{}, an IED presumably planted by {} exploded near {}. {}", when, a1, where, deaths
            )
        )
        .when(sub == "Remote explosive/landmine/IED")
        .then(
            pl.format(
                "{}, a convoy of {} struck an IED planted by {} near {}. {}",
                when,
                a2,
                a1,
                where,
                deaths,
            )
        )
        .when(sub == "Air/drone strike")
        .then(
            pl.format(
                "{}, {} carried out a drone strike on {} near {}. {}", when, a1, a2, where, deaths
            )
        )
        .when(sub == "Shelling/artillery/missile attack")
        .then(
            pl.format(
                "{}, {} fired mortar shells at a camp of {} in {}. {}", when, a1, a2, where, deaths
            )
        )
        .when(sub == "Suicide bomb")
        .then(
            pl.format(
                "{}, {} carried out a suicide car bomb attack against {} in {}. {}",
                when,
                a1,
                a2,
                where,
                deaths,
            )
        )
        .when(sub == "Grenade")
        .then(pl.format("{}, {} threw a grenade at civilians in {}. {}", when, a1, where, deaths))
        .when(sub == "Attack")
        .then(pl.format("{}, {} attacked {} in {}. {}", when, a1, victims, where, deaths))
        .when(sub == "Sexual violence")
        .then(pl.format("{}, {} sexually assaulted women in {}.", when, a1, where))
        .when((sub == "Abduction/forced disappearance") & pl.col("foreign"))
        .then(
            pl.format(
                "{}, {} abducted {} {} nationals working at the {} ({}, {}).",
                when,
                a1,
                pl.col("count_word"),
                nationals,
                pl.col("location"),
                pl.col("admin2"),
                pl.col("admin1"),
            )
        )
        .when(sub == "Abduction/forced disappearance")
        .then(
            pl.format(
                "{}, {} abducted {} {} in {}.", when, a1, pl.col("count_word"), victims, where
            )
        )
        .when(sub == "Violent demonstration")
        .then(
            pl.format(
                "{}, youths rioted in {} against {}, burning tyres and blocking roads. {}",
                when,
                where,
                pl.col("topic"),
                deaths,
            )
        )
        .when(sub == "Mob violence")
        .then(pl.format("{}, a mob attacked a man accused of theft in {}. {}", when, where, deaths))
        .when(sub == "Peaceful protest")
        .then(
            pl.format("{}, residents of {} demonstrated against {}.", when, where, pl.col("topic"))
        )
        .when(sub == "Protest with intervention")
        .then(
            pl.format(
                "{}, police dispersed residents of {} protesting against {}.",
                when,
                where,
                pl.col("topic"),
            )
        )
        .when(sub == "Excessive force against protesters")
        .then(
            pl.format(
                "{}, security forces fired on residents of {} protesting against {}. {}",
                when,
                where,
                pl.col("topic"),
                deaths,
            )
        )
        .when(sub == "Looting/property destruction")
        .then(pl.format("{}, {} looted shops and took livestock in {}.", when, a1, where))
        .when(sub == "Arrests")
        .then(
            pl.format(
                "{}, {} arrested several people suspected of links with armed groups in {}.",
                when,
                a1,
                where,
            )
        )
        .when(sub == "Change to group/activity")
        .then(
            pl.format(
                "{}, {} imposed new rules on residents of {}, banning motorbike traffic.",
                when,
                a1,
                where,
            )
        )
        .when((sub == "Non-violent transfer of territory") & (pl.col("place_kind") == "base"))
        .then(
            pl.format(
                "{}, {} withdrew from their base in {} and handed it over to {}.",
                when,
                a1,
                where,
                a2,
            )
        )
        .when(sub == "Non-violent transfer of territory")
        .then(pl.format("{}, {} took control of {} without fighting.", when, a1, where))
        .when(sub == "Disrupted weapons use")
        .then(pl.format("{}, {} defused an IED planted by {} near {}.", when, a1, a2, where))
        .when(sub == "Headquarters or base established")
        .then(pl.format("{}, {} established a base in {}.", when, a1, where))
        .when(sub == "Agreement")
        .then(
            pl.format(
                "{}, {} and community leaders of {} concluded a local agreement.", when, a1, where
            )
        )
        .otherwise(pl.format("{}, {} burned a telecom antenna in {}.", when, a1, where))
    )
    return text.str.strip_chars()


def _a1() -> pl.Expr:
    return describe(pl.col("actor1"), pl.col("assoc_actor_1"))


def _deaths() -> pl.Expr:
    killed = pl.col("fatalities")
    civilians = pl.col("sub_event_type") == "Attack"
    return (
        pl.when(killed == 0)
        .then(pl.lit("No fatalities were reported."))
        .when((killed == 1) & civilians)
        .then(pl.lit("One civilian was killed."))
        .when(killed == 1)
        .then(pl.lit("One person was killed."))
        .when(civilians)
        .then(pl.format("{} civilians were killed.", killed))
        .otherwise(pl.format("{} fatalities were reported.", killed))
    )
